"""newscrawl: archives vpk.name's articles and their reader comments into clean datasets."""
