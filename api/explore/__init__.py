"""The web explorer served on ``/explore``: a static page that talks only to ``/graphql``.

Its script is built from npm parts into ``static/`` (see ``web/``) and committed, so serving
it needs no Node. The only data the server adds is the display palette, derived from the
ontology as the Bloom perspective's is; every fact on the page comes through GraphQL.
"""
