"""The instrument port (what procedures need from an instrument) and its adapters."""
