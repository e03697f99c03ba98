"""ftlint's built-in rules, one module per family. Each module is a plugin registered through the
``ftlint`` entry-point group in ftlint's own pyproject, exactly like a third-party plugin."""
