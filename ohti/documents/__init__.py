"""What a document says: its content (frames), sections (HTML), tables, charts, maps, the
expert assessment and the process and validity sections.
"""
