"""Bulk import and export of the catalogue in spreadsheet columns."""
