"""What template.yaml promises that cfn-lint cannot know (security review, issue 31): with
OpenID Connect configured, every function checks a token's issuer and audience. Before, the
template never set LOYALTY_JWT_ISSUER/AUDIENCE, so any RS256 token of the same provider with
the right claims was accepted, ID tokens of other applications included."""
import os
import re
import sys
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_table import CfnLoader  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def load():
    with open(os.path.join(ROOT, "template.yaml")) as f:
        return yaml.load(f, Loader=CfnLoader)


class TokenChecks(unittest.TestCase):
    def test_issuer_and_audience_are_wired_from_the_oidc_parameters(self):
        template = load()
        env = template["Globals"]["Function"]["Environment"]["Variables"]
        with open(os.path.join(ROOT, "shared/api/src/auth.rs")) as f:
            auth = f.read()
        for var, param in [("LOYALTY_JWT_ISSUER", "OidcIssuer"),
                           ("LOYALTY_JWT_AUDIENCE", "OidcClientId")]:
            # The name the functions read.
            self.assertIn(f'"{var}"', auth)
            self.assertIn(var, env, f"{var} is not set for the functions")
            # !If [<condition>, !Ref <param>, !Ref AWS::NoValue], the condition being
            # "<param> is not empty".
            condition, value, otherwise = env[var]
            self.assertEqual((value, otherwise), (param, "AWS::NoValue"))
            cond = template["Conditions"][condition]
            self.assertEqual(repr(cond), repr([[param, ""]]), f"{condition}: {cond}")
            # No function overrides it with something else.
            for name, res in template["Resources"].items():
                fn_env = (res.get("Properties", {}).get("Environment") or {}).get("Variables") or {}
                self.assertNotIn(var, fn_env, name)

    def test_the_parameters_exist(self):
        params = load()["Parameters"]
        self.assertTrue(re.match(r"\^\$\|\^https://", params["OidcIssuer"]["AllowedPattern"]))
        self.assertIn("OidcClientId", params)


if __name__ == "__main__":
    unittest.main()
