"""Transfer-compliance findings: rule by rule, where a transfer or a DPA falls short."""
