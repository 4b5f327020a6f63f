"""Drop duplicate inline/linked scripts from each page.

sphinx-thebe 0.3.1 registers its inline configuration (``const THEBE_JS_URL = …``) once per
``env-before-read-docs`` event; with Jupyter Book 1.0.4 that event fires twice, the page gets
the declaration twice and the browser reports a SyntaxError.  Keeping the first copy of every
script fixes it without touching the upstream packages.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, out = set(), []
    for js in scripts:
        key = (js.filename or "", tuple(sorted((k, str(v)) for k, v in js.attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        out.append(js)
    scripts[:] = out


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
