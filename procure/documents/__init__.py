"""The PDF documents the service itself makes: the fillable cover sheet (later receipts and
reports)."""
