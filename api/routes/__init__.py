"""The HTTP routes, one router per resource; they translate HTTP to calls of the suggest
service, the code index and the store, and back."""
