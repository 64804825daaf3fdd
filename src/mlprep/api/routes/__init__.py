"""One router per group of operations."""
