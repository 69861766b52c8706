"""Bearer tokens with roles: reader < editor < admin."""
