"""Server-rendered pages, one module per job (plus home and help, history, sign-in).

Each handler parses a form, calls one ``Coach`` method and renders a template from
``api/templates``; the wording the templates show (navigation, the names of kinds,
styles and statuses) is data in ``labels.yaml``. Every page works without JavaScript.
"""
