"""The reproducible analyses: one module per table or figure of the docs.

Each module has a ``main(out)`` that writes its tables (Markdown, CSV and
LaTeX, each with a caption that states the parameters) and figures (PNG and
PDF) into the folder ``out`` and returns the paths written and a short
summary; its module-level UPPER_CASE constants are its parameters.
``deception-sim reproduce --out out`` runs them all and writes a
``manifest.json`` beside them; ``python -m deception_sim.analyses.<name> [OUT_DIR]``
runs one. Nothing runs when a module is imported.
"""
