"""objectMask parsing and application (the ``objectMask`` URL parameter, as SLDN documents it).

A parsed mask is a tree: ``{property: subtree}``, where an empty subtree means "the default
object" of that property. Accepted syntaxes:

* ``mask[id,commonName,status[name],order[id,items[id]]]`` (the modern form);
* ``[id,commonName]`` and a bare ``id,commonName`` or ``id`` (what the clients send unwrapped);
* ``mask(SoftLayer_Type)[...]`` and ``prop(SoftLayer_Type)[...]`` (type casts, ignored);
* ``filteredMask[...]`` (treated like ``mask``: the sandbox's relations are not filtered);
* dotted paths ``status.name`` and the old ``mask.status;mask.order.id`` form.

Rendering (``render``): with no mask, or ``mask[]``, the object's local properties (plus the
method's default relations, if any). A level whose mask names at least one local property gets
only the named local properties (payload reduction). An unset local property is left out, except
the few the API is known to send as ``null`` (an entity's ``null_locals``). Relational properties appear only when
masked. Unknown properties are an error for the types whose property lists the reference gives
in full (strict types), and are ignored for the others.

Errors, as the API answers them over REST (HTTP 500, the ``{"error", "code"}`` body):

* a property the type does not have: ``SoftLayer_Exception_WebService_ObjectMask``,
  ``Property 'x' not valid for 'SoftLayer_Type'.``. The code and text are what softlayer-python
  users were shown (softlayer/softlayer-python issues #568 and #1088); the status is 500 in
  softlayer-java's report of the same exception over REST (softlayer/softlayer-java issue #42,
  ``status: 500``) and in slcli's REST output (softlayer/softlayer-python issue #1525,
  ``SoftLayerAPIError(500): Property 'dal13' not valid for 'SoftLayer_Hardware'.``). The mask is
  checked against the method's return type before the method runs, so an empty list does not
  hide a bad mask and a call that changes something changes nothing.
* a mask the parser cannot read: ``SoftLayer_Exception_Common_Parser`` (softlayer/softlayer-python
  pull request #345: ``Error on line 1 at column 254: Expected PROPERTY, ...``), HTTP 500 like the
  API's other exceptions (the status of this one is not on record). The message texts are the
  sandbox's own: it does not count columns.
"""

from .errors import OBJECT_MASK, PARSER, SLError


class MaskError(SLError):
    """A mask the parser cannot read (code ``PARSER``), or one naming an unknown property (``OBJECT_MASK``)."""

    def __init__(self, message, code=PARSER):
        super().__init__(500, code, message)


def unknown_property(name, entity):
    return MaskError("Property '%s' not valid for '%s'." % (name, entity.type_name), OBJECT_MASK)


def validate(entity, tree):
    """Raise for a property of ``tree`` that a strict type does not have, at any depth."""
    for name, subtree in (tree or {}).items():
        if name in entity.relations:
            validate(entity.relations[name][0](), subtree)
        elif entity.strict and name not in entity.local_names:
            raise unknown_property(name, entity)


def parse(text):
    """The mask tree for ``text``; None when there is no mask (or an empty one)."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    tree = {}
    for part in _split(text, ";"):
        part = part.strip()
        if not part:
            continue
        _merge(tree, _parse_root(part))
    return tree


def _parse_root(text):
    lowered = text.lower()
    for keyword in ("filteredmask", "mask"):
        if lowered.startswith(keyword):
            rest = text[len(keyword):].lstrip()
            rest = _skip_cast(rest)
            if rest.startswith("["):
                inner, tail = _bracket(rest)
                if tail.strip():
                    raise MaskError("Unable to parse object mask: unexpected %r." % tail.strip())
                return _parse_list(inner)
            if rest.startswith("."):
                return _parse_list(rest[1:])
            if not rest:
                return {}
            break
    if text.startswith("["):
        inner, tail = _bracket(text)
        if tail.strip():
            raise MaskError("Unable to parse object mask: unexpected %r." % tail.strip())
        return _parse_list(inner)
    return _parse_list(text)


def _skip_cast(text):
    if text.startswith("("):
        end = text.find(")")
        if end < 0:
            raise MaskError("Unable to parse object mask: unclosed type cast.")
        return text[end + 1:].lstrip()
    return text


def _bracket(text):
    """Split ``[inner]tail`` into (inner, tail), honouring nesting."""
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return text[1:index], text[index + 1:]
    raise MaskError("Unable to parse object mask: unbalanced brackets.")


def _split(text, separator):
    parts, depth, current = [], 0, []
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise MaskError("Unable to parse object mask: unbalanced brackets.")
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise MaskError("Unable to parse object mask: unbalanced brackets.")
    parts.append("".join(current))
    return parts


def _parse_list(text):
    tree = {}
    for item in _split(text, ","):
        item = item.strip()
        if not item:
            continue
        _merge(tree, _parse_item(item))
    return tree


def _parse_item(item):
    # name[.rest] | name(Type)[sub] | name[sub]
    name_end = len(item)
    for index, char in enumerate(item):
        if char in ".[(":
            name_end = index
            break
    name = item[:name_end].strip()
    rest = item[name_end:].strip()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        raise MaskError("Unable to parse object mask: invalid property name %r." % item)
    rest = _skip_cast(rest)
    if not rest:
        return {name: {}}
    if rest.startswith("."):
        return {name: _parse_item(rest[1:].strip())}
    if rest.startswith("["):
        inner, tail = _bracket(rest)
        if tail.strip():
            raise MaskError("Unable to parse object mask: unexpected %r." % tail.strip())
        return {name: _parse_list(inner)}
    raise MaskError("Unable to parse object mask near %r." % item)


def _merge(into, other):
    for key, value in other.items():
        if key in into:
            _merge(into[key], value)
        else:
            into[key] = value
    return into


class RenderOptions:
    """Per-request rendering switches."""

    def __init__(self, nulls=False, include_types=False):
        self.nulls = nulls
        self.include_types = include_types


def render(entity, record, tree, ctx, options, default_relations=()):
    """The JSON object for ``record`` of ``entity`` under mask ``tree``."""
    out = {}
    if options.include_types:
        out["complexType"] = entity.type_name
    if not tree:
        names_local = None
        relations = {name: {} for name in default_relations}
    else:
        names_local = [n for n in tree if n in entity.local_names]
        relations = {n: tree[n] for n in tree if n in entity.relations}
        if entity.strict:
            for name in tree:
                if name not in entity.local_names and name not in entity.relations:
                    raise unknown_property(name, entity)
        if not names_local:
            names_local = None
    wanted = None if names_local is None else set(names_local)
    for name, getter in entity.locals:
        if wanted is not None and name not in wanted:
            continue
        value = getter(record, ctx)
        if value is None:
            if options.nulls or name in entity.null_locals:
                out[name] = None
            continue
        out[name] = value
    for name, subtree in relations.items():
        target, getter, many = entity.relations[name]
        value = getter(record, ctx)
        if value is None:
            if options.nulls:
                out[name] = [] if many else None
            continue
        if many:
            out[name] = [render(target(), item, subtree, ctx, options) for item in value]
        else:
            out[name] = render(target(), value, subtree, ctx, options)
    return out
