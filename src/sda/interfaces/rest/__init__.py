"""The REST API: :func:`sda.interfaces.rest.app.create_app` builds it, ``sda serve`` runs it (docs/api.md)."""
