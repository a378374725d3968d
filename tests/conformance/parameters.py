#!/usr/bin/env python3
"""Print `Key=Value` lines for `aws cloudformation deploy --parameter-overrides`.

    parameters.py TEMPLATE.json --vpc VPC --subnets SUBNET,SUBNET --zone example.com \
                  --certificate-arn ARN --images AMI,AMI,...

Every parameter without a Default gets a value, by type first and name second; parameters with
a Default are left alone. Image parameters get distinct AMIs (in declaration order, cycling), so
a launch template wired to the wrong parameter shows up. A parameter the suite cannot fill is an
error (exit 2), naming it: the suite must learn about new parameters, not skip them.
"""

import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("template")
    parser.add_argument("--vpc", required=True)
    parser.add_argument("--subnets", required=True, help="comma-separated, in at least two AZs")
    parser.add_argument("--zone", required=True, help="hosted zone name without the final dot")
    parser.add_argument("--certificate-arn", required=True)
    parser.add_argument("--images", required=True, help="comma-separated AMI ids")
    args = parser.parse_args()

    with open(args.template, encoding="utf-8") as handle:
        parameters = json.load(handle).get("Parameters") or {}
    images = [image for image in args.images.split(",") if image]
    subnets = [subnet for subnet in args.subnets.split(",") if subnet]
    image_index = 0
    unknown = []
    for name, declaration in parameters.items():
        kind = declaration.get("Type", "")
        if "Default" in declaration:
            continue
        if kind == "AWS::EC2::VPC::Id" or name == "VpcId":
            value = args.vpc
        elif kind == "List<AWS::EC2::Subnet::Id>":
            value = ",".join(subnets)
        elif kind == "AWS::EC2::Subnet::Id":
            value = subnets[0]
        elif kind == "AWS::EC2::Image::Id" or name.endswith("ImageId"):
            value = images[image_index % len(images)]
            image_index += 1
        elif name.endswith("CertificateArn"):
            value = args.certificate_arn
        elif name.endswith("ClientId") and "Oidc" in name:
            value = "conformance-oidc-client-id"  # check_ingress.OIDC_CLIENT_ID
        elif name.endswith("ClientSecret") and "Oidc" in name:
            value = "conformance-oidc-client-secret"  # check_ingress.OIDC_CLIENT_SECRET
        elif name == "HostedZoneName":
            value = args.zone
        elif kind == "AWS::Route53::HostedZone::Id":
            unknown.append(f"{name} ({kind}): pass the zone id; the suite passes names only")
            continue
        else:
            unknown.append(f"{name} ({kind or 'no Type'})")
            continue
        print(f"{name}={value}")
    if unknown:
        print("parameters.py: no value for: " + "; ".join(unknown), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
