"""Wire models: every JSON shape of the API, shared by server, client and CLI."""
