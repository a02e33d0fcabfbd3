"""The lifecycles: one module per lifecycle (states, transitions, guards, use cases), free of Flask.

Dependencies point upstream only: contract -> award -> evaluation -> response -> solicitation
-> base. A downstream module owns each cascade (closing a solicitation seals its responses:
`response.close_solicitation`). import-linter holds this (pyproject.toml, `make test`)."""
