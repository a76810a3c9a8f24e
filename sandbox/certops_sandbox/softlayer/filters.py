"""objectFilter evaluation (the ``objectFilter`` URL parameter, as SLDN documents it).

A filter is a JSON object that mirrors the result's properties, with leaves
``{"operation": ..., "options": [...]}``. The root key, when present, names the method's
property (``securityCertificateRequest`` for ``getSslCertificateRequests``); a filter without it
(``{"order": {"id": ...}}``) is accepted too. Supported leaf operations:

* a bare value (equality; a numeric string equals the number, as Terraform sends order ids);
* ``!=``, ``>``, ``>=``, ``<``, ``<=`` (numbers, dates, strings; ``> sysdate - 30`` or ``>= currentDate - 30`` in days);
* ``^=``, ``!^=``, ``$=``, ``!$=``, ``*=``, ``!*=`` (case-insensitive), ``_=`` (case-insensitive
  equality), ``~`` and ``!~`` (regular expressions), ``not null``, ``is null``;
* ``in``, ``or`` and ``and`` (option ``data``; ``or`` / ``and`` take literal operations such as
  ``["^= tor", "^= sjc"]``), ``isDate``, ``lessThanDate``, ``greaterThanDate``, ``betweenDate``
  (options ``date`` / ``startDate`` + ``endDate``);
* ``orderBy`` (option ``sort`` ASC/DESC, optional ``sortOrder``), which sorts instead of filtering;
* and, as a sandbox extension, ``{"or": [filter, ...]}`` and ``{"and": [filter, ...]}`` at any level.

As on the real API, a malformed filter or an unknown property is ignored silently.
"""

import functools
import re

from . import dates

_PREFIXES = ("!^=", "!$=", "!*=", "!~", "^=", "$=", "*=", "_=", "!=", ">=", "<=", ">", "<", "~")


def unwrap(spec, roots, entity):
    """Drop the root key (one of ``roots``) when the filter has it.

    Rootless keys next to the root key are kept and merged with the root's content (the root's
    leaves win): softlayer-python's ``iter_call`` adds a rootless ``{"id": {"operation":
    "orderBy"}}`` to a caller's ``{"securityCertificateRequest": {...}}`` filter, and both parts
    must still apply.
    """
    if not isinstance(spec, dict):
        return spec
    rooted = [key for key in spec
              if key in roots and key not in entity.local_names and key not in entity.relations]
    if not rooted:
        return spec
    merged = {key: value for key, value in spec.items() if key not in rooted}
    for key in rooted:
        if isinstance(spec[key], dict):
            merged = _merge(merged, spec[key])
    return merged


def _merge(base, override):
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "operation" not in value:
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def apply(entity, records, spec, ctx, now):
    """The records that match ``spec``, sorted by its orderBy leaves (default: as given)."""
    if not isinstance(spec, dict) or not spec:
        return list(records)
    matched = [r for r in records if _match(entity, r, spec, ctx, now)]
    sorts = []
    _collect_sorts(entity, spec, (), sorts)
    if sorts:
        sorts.sort(key=lambda s: s[2])
        for path, descending, _ in reversed(sorts):
            matched.sort(key=lambda r, p=path: _sort_key(_resolve(entity, r, p, ctx)), reverse=descending)
    return matched


def _match(entity, record, spec, ctx, now):
    for key, sub in spec.items():
        if key in ("or", "and") and isinstance(sub, list):
            results = [_match(entity, record, s, ctx, now) for s in sub if isinstance(s, dict)]
            if not results:
                continue
            if key == "or" and not any(results):
                return False
            if key == "and" and not all(results):
                return False
            continue
        if not isinstance(sub, dict):
            continue
        if key in entity.local_names:
            if "operation" not in sub:
                continue
            if not _leaf(entity.local(key, record, ctx), sub, now):
                return False
        elif key in entity.relations:
            target, getter, many = entity.relations[key]
            if "operation" in sub:
                continue  # an operation on a relation itself is malformed: ignored
            value = getter(record, ctx)
            if many:
                items = value or []
                if not any(_match(target(), item, sub, ctx, now) for item in items):
                    return False
            else:
                if value is None:
                    if _only_sorts(sub):
                        continue
                    return False
                if not _match(target(), value, sub, ctx, now):
                    return False
    return True


def _only_sorts(spec):
    if not isinstance(spec, dict):
        return True
    if "operation" in spec:
        return spec.get("operation") == "orderBy"
    return all(_only_sorts(v) for v in spec.values())


def _options(leaf):
    found = {}
    for option in leaf.get("options") or []:
        if isinstance(option, dict) and "name" in option:
            value = option.get("value")
            found[option["name"]] = value if isinstance(value, list) else [value]
    return found


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _equal(actual, expected):
    if actual is None:
        return False
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return a == b
    if isinstance(actual, bool):
        return str(expected).lower() in (str(actual).lower(), "1" if actual else "0")
    return str(actual) == str(expected)


@functools.lru_cache(maxsize=64)
def _in_index(typed):
    """The values of an ``in`` list as sets, for :func:`_in`: one parse per filter, not per record
    and value (a list call filtered on 100 ids over 1,000 records took seconds). ``typed`` pairs
    each value with its type, since the cache would take ``(0,)`` and ``(False,)`` for one key."""
    values = [v for _type, v in typed]
    numbers = frozenset(n for n in map(_number, values) if n is not None)
    texts = frozenset(str(v) for v in values if _number(v) is None)
    return numbers, texts, frozenset(str(v) for v in values)


def _in(actual, values):
    """``any(_equal(actual, v) for v in values)``, by set lookups where the values allow it."""
    if actual is None:
        return False
    try:
        numbers, texts, every_text = _in_index(tuple((type(v), v) for v in values))
    except TypeError:  # an unhashable value (a list or an object): compare one by one
        return any(_equal(actual, v) for v in values)
    if isinstance(actual, bool):
        return any(_equal(actual, v) for v in values)
    number = _number(actual)
    if number is not None:
        # a number equals a numeric value by value, and any other value by its text
        return number in numbers or str(actual) in texts
    return str(actual) in every_text


def _compare(actual, operand, now):
    """-1/0/1 comparing ``actual`` with ``operand`` (numbers, then dates, then text)."""
    a, b = _number(actual), _number(operand)
    if a is None or b is None:
        relative = dates.parse_relative(operand, now)
        b_date = relative if relative is not None else dates.parse(operand)
        a_date = dates.parse(actual) if isinstance(actual, str) else None
        if a_date is not None and b_date is not None:
            a, b = a_date, b_date
        else:
            a, b = str(actual), str(operand)
    return (a > b) - (a < b)


def _leaf(actual, leaf, now):
    operation = leaf.get("operation")
    options = _options(leaf)
    if operation == "orderBy":
        return True
    if isinstance(operation, str):
        keyword = operation.strip()
        lowered = keyword.lower()
        if lowered == "in":
            return _in(actual, options.get("data", []))
        if lowered in ("or", "and"):
            # option "data": literal operations, e.g. ["^= tor", "^= sjc"] or [">= 1024", "<= 16384"]
            values = [v for v in options.get("data", []) if v is not None]
            if not values:
                return True  # a badly defined advanced operator is ignored (SLDN object-filters article)
            results = [_leaf(actual, {"operation": v}, now) for v in values]
            return any(results) if lowered == "or" else all(results)
        if lowered == "not null":
            return actual is not None
        if lowered == "is null":
            return actual is None
        if lowered in ("isdate", "lessthandate", "greaterthandate", "betweendate"):
            return _date_op(lowered, actual, options)
        for prefix in _PREFIXES:
            if keyword.startswith(prefix):
                return _prefixed(prefix, actual, keyword[len(prefix):].strip(), now)
    if actual is None:
        return False
    return _equal(actual, operation)


def _prefixed(prefix, actual, operand, now):
    if actual is None:
        return False  # as in SQL, an unset property matches no comparison
    text, wanted = str(actual), str(operand)
    if prefix == "!=":
        return not _equal(actual, operand)
    if prefix in (">", ">=", "<", "<="):
        result = _compare(actual, operand, now)
        return {">": result > 0, ">=": result >= 0, "<": result < 0, "<=": result <= 0}[prefix]
    if prefix == "_=":
        return text.lower() == wanted.lower()
    if prefix in ("^=", "!^="):
        hit = text.lower().startswith(wanted.lower())
    elif prefix in ("$=", "!$="):
        hit = text.lower().endswith(wanted.lower())
    elif prefix in ("*=", "!*="):
        hit = wanted.lower() in text.lower()
    else:  # ~ and !~
        try:
            hit = re.search(wanted, text) is not None
        except re.error:
            return True  # a malformed leaf is ignored
    return not hit if prefix.startswith("!") else hit


def _date_op(operation, actual, options):
    value = dates.parse(actual) if actual is not None else None
    if value is None:
        return False

    def first(name):
        items = options.get(name) or []
        return dates.parse(items[0]) if items else None

    if operation == "isdate":
        day = first("date")
        return day is not None and dates.same_local_day(value, day)
    if operation == "lessthandate":
        limit = first("date")
        return limit is not None and value < limit
    if operation == "greaterthandate":
        limit = first("date")
        return limit is not None and value > limit
    start, end = first("startDate"), first("endDate")
    return start is not None and end is not None and start <= value <= end


def _collect_sorts(entity, spec, path, sorts):
    if not isinstance(spec, dict):
        return
    for key, sub in spec.items():
        if not isinstance(sub, dict):
            continue
        if key in entity.local_names and sub.get("operation") == "orderBy":
            options = _options(sub)
            direction = str((options.get("sort") or ["ASC"])[0]).upper()
            try:
                order = int((options.get("sortOrder") or [len(sorts)])[0])
            except (TypeError, ValueError, OverflowError):
                order = len(sorts)
            sorts.append((path + (key,), direction == "DESC", order))
        elif key in entity.relations:
            target, _, many = entity.relations[key]
            if not many:
                _collect_sorts(target(), sub, path + (key,), sorts)


def _resolve(entity, record, path, ctx):
    current_entity, current = entity, record
    for index, name in enumerate(path):
        if current is None:
            return None
        if index == len(path) - 1:
            return current_entity.local(name, current, ctx)
        target, getter, _ = current_entity.relations[name]
        current, current_entity = getter(current, ctx), target()
    return None


def _sort_key(value):
    if value is None:
        return (0, 0, "")
    number = _number(value)
    if number is not None:
        return (1, number, "")
    parsed = dates.parse(value) if isinstance(value, str) and value[:1].isdigit() else None
    if parsed is not None:
        return (1, parsed, "")
    return (2, 0, str(value).lower())
