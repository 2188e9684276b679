"""Running notebooks and turning them into documents: one (execute, convert) or many (batch)."""

import sys

# jsonschema (used by nbformat) imports the optional rfc3987-syntax package when it is
# installed, which costs 1.4-1.8 s in every process; nbformat never checks those formats.
sys.modules.setdefault("rfc3987_syntax", None)
