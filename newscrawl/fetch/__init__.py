"""What reaches the spider: whole pages of the site, fetched politely, fingerprinted, rendered when they must be."""
