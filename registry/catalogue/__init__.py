"""The catalogue: processors, their locations, transfer safeguards and DPAs."""
