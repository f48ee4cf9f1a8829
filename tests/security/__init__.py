"""The security suite: black-box tests over HTTP, named by requirement identifiers.

A test's name starts with the identifier of the requirement it checks (``test_RU_01_...``);
each module's docstring cites the RFC sections behind its identifiers. The prefixes:

====  ==========================================================================
RU    redirect URIs and open redirectors (RFC 6749 §3.1.2, RFC 9700 §4.1, RFC 8252 §7)
AZ    the authorization endpoint and the consent page (RFC 6749 §3.1, §4.1.1, RFC 9207)
PK    PKCE (RFC 7636 §4, RFC 9700 §2.1.1)
AC    authorization codes (RFC 6749 §4.1.2, §4.1.3, §10.5)
TE    the token endpoint (RFC 6749 §3.2, §5)
CA    client authentication (RFC 6749 §2.3, §3.2.1)
RT    refresh tokens (RFC 6749 §6, RFC 9700 §4.14)
GR    grant types (RFC 6749 §4.2 - §4.4, RFC 9700 §2.4)
RV    revocation (RFC 7009)
IN    introspection (RFC 7662)
BR    bearer-protected resources (RFC 6750)
MD    authorization server metadata (RFC 8414)
RL    rate limits, input limits, transport and logs (RFC 6819 §5.1.4, RFC 9700 §4.3)
SC    sender-constrained tokens (RFC 9700 §2.2.1): none yet, see below
====  ==========================================================================

The requirements without a test, because they do not apply or the provider deliberately
does otherwise, are listed with their reasons in ``docs/security_checklist.rst``.
"""
