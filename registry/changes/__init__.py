"""Public change events, notice periods, and the public list at any date derived from them."""
