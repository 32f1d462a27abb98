"""A small Sphinx extension for the book's HTML build.

``sphinx_thebe`` (added by Jupyter Book 1 even with thebe off) registers its inline
configuration script twice, so every page threw ``Identifier 'THEBE_JS_URL' has
already been declared``. This drops exact duplicate scripts from each page.
"""

from __future__ import annotations


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


def setup(app):
    """Sphinx entry point: register the duplicate-script filter."""
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
