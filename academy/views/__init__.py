"""Academy pages: public (programmes, sponsor links, verification), my (applicants and
delegates), manage (programme managers)."""
