"""What a site's page says: one module per site (``vpk``), the HTML and HTTP helpers apart (``html``)."""
