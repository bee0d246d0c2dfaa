"""Pure text to facts: relevance, actors, dates, stories, timeline grouping, data files."""
