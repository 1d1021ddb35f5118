"""The OpenAI organization Usage and Costs API simulator."""
