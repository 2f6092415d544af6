extension PythonShim {
    /// `character_map()` checking and translation.
    static let characterMapFiles: [String: String] = [
        "ingest_policy_charmap.py": #"""
"""`character_map()`: checked once when the handler loads, then applied to each entry's name.

Keys, as iRODS automated ingest accepts them: a 1-character str, a tuple of those, a compiled regex
(its matches in the name are replaced) or a callable taking one character and returning whether to
replace it. Values: a str of length 0 or 1. Rules apply in the order given.

iRODS automated ingest also appends a suffix encoding the replaced characters, so that two names
mapping to the same text stay distinct; Ingest does not (a rename that collides is a collision).
"""
import re

_PATTERN = type(re.compile(""))


class CharacterMapError(Exception):
    pass


def _single_characters(key):
    return isinstance(key, str) and len(key) == 1


def compile_map(mapping):
    """The rules of a character_map() result, or CharacterMapError naming the first bad key."""
    if mapping is None:
        return []
    if isinstance(mapping, dict):
        pairs = list(mapping.items())
    else:
        try:
            pairs = [tuple(pair) for pair in mapping]
        except TypeError:
            raise CharacterMapError("character_map() returned %r; it must return a dict" % (mapping,))
        if any(len(pair) != 2 for pair in pairs):
            raise CharacterMapError("character_map() returned %r; it must return a dict" % (mapping,))
    rules = []
    for key, value in pairs:
        if not isinstance(value, str) or len(value) > 1:
            raise CharacterMapError(
                "character_map() maps key %r to %r; values must be a str of length 0 or 1" % (key, value))
        if _single_characters(key):
            rules.append(("table", {ord(key): value}))
        elif isinstance(key, tuple) and key and all(_single_characters(item) for item in key):
            rules.append(("table", dict((ord(item), value) for item in key)))
        elif isinstance(key, _PATTERN):
            rules.append(("pattern", (key, value)))
        elif callable(key) and not isinstance(key, (str, bytes, tuple)):
            rules.append(("predicate", (key, value)))
        else:
            raise CharacterMapError(
                "character_map() key %r is not a 1-character str, a tuple of 1-character strs, a compiled "
                "regex or a callable" % (key,))
    return rules


def translate(name, rules):
    for kind, rule in rules:
        if kind == "table":
            name = name.translate(rule)
        elif kind == "pattern":
            pattern, value = rule
            name = pattern.sub(lambda match: value, name)
        else:
            predicate, value = rule
            name = "".join(value if predicate(character) else character for character in name)
    return name
"""#,
    ]
}
