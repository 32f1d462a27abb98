"""A small Sphinx extension for the book's HTML build.

- ``sphinx_thebe`` (added by Jupyter Book 1 even with thebe off) registers its inline
  configuration script twice, so every page threw ``Identifier 'THEBE_JS_URL' has
  already been declared``. This drops exact duplicate scripts from each page.
- The footer (``html.extra_footer`` in ``_config.yml``) links to pages of the book; it is the
  same text on every page, so it writes ``@root@/`` for the site root and this extension
  replaces it with the page's relative path to the root (``../`` from ``book/*.html``).
- Glued numbers get the class ``glued-number`` (bold); other glued text keeps the prose's weight.
"""

from __future__ import annotations

import re

ROOT_TOKEN = "@root@/"
#: A glued value that reads as a number (``2.5``, ``1,074``, ``-3.1e-21``, ``8 GiB``, ``45%``): shown in bold.
_NUMBER = re.compile(r"^[-+\u2212~]?\d[\d.,]*(?:[eE][-+]?\d+)?(?:\s?[A-Za-z%/]{1,6})?$")


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (str(getattr(js, "filename", js) or ""), repr(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def _footer_links(app, pagename, templatename, context, doctree) -> None:
    footer = context.get("theme_extra_footer")
    if footer and ROOT_TOKEN in footer:
        context["theme_extra_footer"] = footer.replace(ROOT_TOKEN, "../" * pagename.count("/") or "./")


#: A glued number in e-notation (``5.00e+21``, ``2.871e-21``), typeset as ``5.00 × 10²¹``.
_E_NOTATION = re.compile(r"^([-+]?\d+(?:\.\d+)?)[eE]([-+]?)0*(\d+)$")


def scientific_parts(text: str) -> tuple[str, str] | None:
    """``("5.00", "21")`` for ``"5.00e+21"`` (the exponent with a minus sign where negative); ``None`` otherwise."""
    m = _E_NOTATION.match(text.strip())
    if not m:
        return None
    mantissa, sign, exponent = m.groups()
    return mantissa, ("\u2212" if sign == "-" else "") + exponent


def _mark_glued_numbers(app, doctree, docname) -> None:
    """Add the class ``glued-number`` to glued values that are numbers: the page shows them bold and glued
    phrases (verdict words, names, sentences) in the running text's weight (``book.css``). Numbers glued in
    e-notation are typeset as a power of ten.
    """
    from docutils import nodes

    for node in doctree.findall(nodes.inline):
        if "pasted-text" in node.get("classes", []) and _NUMBER.match(node.astext().strip()):
            node["classes"].append("glued-number")
            parts = scientific_parts(node.astext())
            if parts:
                node.children = [nodes.Text(f"{parts[0]} \u00d7 10"), nodes.superscript(text=parts[1])]


def setup(app):
    """Sphinx entry point: register the duplicate-script filter and the footer link fixer."""
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _footer_links, priority=900)
    app.connect("doctree-resolved", _mark_glued_numbers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
