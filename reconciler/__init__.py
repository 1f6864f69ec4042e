"""converge reconciler: desired state in YAML, planned and applied against the platforms."""
