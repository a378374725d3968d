"""A VPC for one stack: DNS support and host names on, one subnet per zone.

Usage: make_vpc.py ENDPOINT N ZONE... -> prints "VPC_ID SUBNET_ID,SUBNET_ID..."
"""
import sys, boto3
endpoint, n, zones = sys.argv[1], sys.argv[2], sys.argv[3:]
ec2 = boto3.client("ec2", endpoint_url=endpoint)
vpc = ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"]
# Private hosted zones answer only in VPCs with DNS support and DNS host names (FIELD-NOTES).
ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"] for i, zone in enumerate(zones)]
print(vpc, ",".join(subnets))
