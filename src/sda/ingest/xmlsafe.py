"""Safe XML reading for CCSDS NDM/XML messages.

Every XML document goes through :mod:`defusedxml` first: DTDs, entity declarations
and external references are refused before any element is read.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from sda.errors import ParseError

__all__ = ["parse_xml", "local_name", "children", "element_path"]


def parse_xml(data: bytes | str, *, file: str | None = None) -> Element:
    """Root element of an XML document; DTD/entity payloads and malformed XML raise :class:`ParseError`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseError(
            "unsafe XML refused", file=file, expected="XML without DTD or entity declarations",
            found=type(exc).__name__,
        ) from None
    except SafeET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ParseError("malformed XML", file=file, line=line, expected="well-formed XML", found=str(exc)) from None


def local_name(el: Element) -> str:
    """Tag without its ``{namespace}`` prefix."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(el: Element, name: str) -> list[Element]:
    """Direct children named ``name`` (namespace ignored)."""
    return [c for c in el if local_name(c) == name]


def element_path(*parts: str) -> str:
    """Human-readable element path such as ``<segment[1]/data/stateVector[3]/X>``."""
    return "<" + "/".join(parts) + ">"
