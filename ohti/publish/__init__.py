"""Publishing a period: the plan of documents, the build of the edition, the index page, the
site's tables, the data packages, the catalogue and the disclosure audit.
"""
