"""Our FHIR definitions (extensions and code systems), shipped with the package and served
by the API; ``api.fhir.definition`` fills in each one's canonical URL."""
