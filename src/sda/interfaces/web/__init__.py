"""The common operational picture: a CesiumJS globe page served beside the REST API.

:func:`sda.interfaces.web.mount.mount_picture` adds the page (``/picture/``, static files)
and its API (``/api/v1/picture/...``, :mod:`sda.interfaces.web.router`) to the REST
application. The browser libraries (CesiumJS, satellite.js) are vendored into
``static/vendor`` from npm by ``make`` at install time; nothing is fetched at run time.
"""
