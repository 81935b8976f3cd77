"""An issue laid out: HTML and PDF documents, their typography and fonts, the render pool."""
