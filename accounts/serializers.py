from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class OrganisationSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(source="kind")


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    job_title = serializers.CharField()
    phone = serializers.CharField()
    organisation = OrganisationSummarySerializer(allow_null=True)
    is_member = serializers.BooleanField(help_text="Whether member prices apply.")
    roles = serializers.ListField(child=serializers.CharField())
