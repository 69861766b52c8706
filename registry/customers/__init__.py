"""Customers: the controllers we process for, their contracted notice and authorisation."""
