"""SoftLayer REST v3.1 (certificate requests, catalogue, orders) for the sandbox.

Modules: ``rest`` (URL forms, auth, parameters, responses), ``masks`` (objectMask),
``filters`` (objectFilter), ``entities`` (data types and their properties), ``services``
(the methods), ``ordering`` (order containers, CSR checks, markers), ``lifecycle`` (orders and
requests on the sandbox clock), ``catalog`` (statuses, server types, packages, items),
``dates`` and ``errors``. See docs/softlayer.md.
"""

from .plugin import SoftLayerPlugin

__all__ = ["SoftLayerPlugin"]
