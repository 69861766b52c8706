"""The public, anonymous, cacheable API: the subprocessor list, its changes and countries."""
