"""Human-readable documents (the certificate PDF). Pure: no AWS.

Import `vaxcert.documents.pdf` only on the PDF path: fpdf2 and segno load lazily inside it.
"""
