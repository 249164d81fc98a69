"""The kinds of file the pipeline receives: local area returns and national partner tables."""

RETURN = "return"  # a local area's annual return, in raw/uploads/
PARTNER = "partner"  # a national partner's published table, in raw/partners/<source>/
FILE_KINDS = (RETURN, PARTNER)
