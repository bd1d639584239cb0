"""The ``codesuggest`` sub-commands, one module per command group."""
