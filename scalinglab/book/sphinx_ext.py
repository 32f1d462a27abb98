"""A small Sphinx extension for the book's HTML build.

- ``sphinx_thebe`` (added by Jupyter Book 1 even with thebe off) registers its inline
  configuration script twice, so every page threw ``Identifier 'THEBE_JS_URL' has
  already been declared``. This drops exact duplicate scripts from each page.
- The footer (``html.extra_footer`` in ``_config.yml``) links to pages of the book; it is the
  same text on every page, so it writes ``@root@/`` for the site root and this extension
  replaces it with the page's relative path to the root (``../`` from ``book/*.html``).
"""

from __future__ import annotations

ROOT_TOKEN = "@root@/"


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


def setup(app):
    """Sphinx entry point: register the duplicate-script filter and the footer link fixer."""
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _footer_links, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
