"""The legal documents written from the catalogue: the DPA's annex, the Art. 30(2) record and
the transfer register, as DOCX, HTML and Markdown."""
