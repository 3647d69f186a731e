"""The web page (web/) on a private bucket behind CloudFront, which also fronts the API (same origin)."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import ROOT
from infra.config import DeployConfig
from infra.nag import acknowledge, logical_id
from vaxcert.resources import ORIGIN_HEADER, VIEWER_ADDRESS_HEADER
from vaxcert.routes import WEB_PAGES, web_content_security_policy

WEB_DIR = ROOT / "web"
# Signed lists verifiers poll: a few minutes of edge caching absorbs polling storms, and a revocation
# reaches every verifier within that time.
# `/shc/.well-known/*`: the SMART Health Card issuer's JWKS and CRLs (`iss` = this distribution + /shc).
SHORT_CACHE_PATHS = ("/v1/revocation-list*", "/v1/trust-list*", "/.well-known/*", "/shc/.well-known/*")
API_PATHS = ("/v1/*",)
# Browsers must re-check pages and the service worker on every load (a stale sw.js pins old code);
# everything else may be cached briefly: a deploy reaches every browser within five minutes.
REVALIDATE = ("*.html", "sw.js", "config.json")
STATIC_MAX_AGE = cdk.Duration.minutes(5)


def page_paths_function_code(pages: dict[str, str] | None = None) -> str:
    """CloudFront Function (viewer request): the page paths of vaxcert.routes.WEB_PAGES to their files,
    as the local gateway serves them ("/verify" and "/verify/" -> "/verify.html")."""
    table = {path: "/" + name for path, name in (pages if pages is not None else WEB_PAGES).items()}
    return (
        "// Generated from vaxcert.routes.WEB_PAGES by infra/web.py: edit the route table, not this.\n"
        f"var PAGES = {json.dumps(table, sort_keys=True)};\n"
        "function handler(event) {\n"
        "  var request = event.request;\n"
        "  var path = request.uri.length > 1 ? request.uri.replace(/\\/+$/, '') : request.uri;\n"
        "  if (Object.prototype.hasOwnProperty.call(PAGES, path)) {\n"
        "    request.uri = PAGES[path];\n"
        "  }\n"
        "  return request;\n"
        "}\n"
    )


# Viewer request on the API paths: X-Forwarded-For becomes the viewer's own address (CloudFront then
# appends the same address), so the API's WAF rate rules, which read the first address, count viewers,
# not whatever a caller wrote into the header.
VIEWER_ADDRESS_FUNCTION_CODE = (
    "// vaxcert (infra/web.py): viewer address first in X-Forwarded-For (WAF rate rules).\n"
    "function handler(event) {\n"
    "  var request = event.request;\n"
    "  request.headers['x-forwarded-for'] = { value: event.viewer.ip };\n"
    "  return request;\n"
    "}\n"
)
# Viewer headers the API reads (an origin request policy lists at most 10). Authorization goes through
# the cache policy instead (CloudFront forwards it only that way, or with every viewer header, Host
# included, which API Gateway cannot route).
API_VIEWER_HEADERS = (
    "Accept",
    "Content-Type",
    "Origin",
    "User-Agent",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
)


def web_source() -> Path:
    if WEB_DIR.is_dir() and any(p.is_file() for p in WEB_DIR.rglob("*")):
        return WEB_DIR
    # A clean checkout before the page is written: deploy a placeholder so synth and deploy still work.
    placeholder = ROOT / "build" / "web-placeholder"
    placeholder.mkdir(parents=True, exist_ok=True)
    (placeholder / "index.html").write_text("<!doctype html><title>vaxcert</title><p>vaxcert</p>\n")
    return placeholder


class Web(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        log_bucket: s3.IBucket,
        api_domain: str,
        api_stage: str,
        origin_secret: secretsmanager.ISecret | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        stack = cdk.Stack.of(self)
        self.bucket = s3.Bucket(
            self,
            "WebBucket",
            # Public static files: SSE-S3 keeps the OAC setup free of KMS key-policy changes.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=log_bucket,
            server_access_logs_prefix="s3/web/",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )

        csp = config.content_security_policy or web_content_security_policy(stack.region)
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(
                    protection=True, mode_block=True, override=True
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=False
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    # The verifier page scans QR codes with the camera; nothing else is needed.
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value="camera=(self), microphone=(), geolocation=()",
                        override=False,
                    )
                ]
            ),
        )

        api_origin = origins.HttpOrigin(
            api_domain,
            origin_path=f"/{api_stage}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            # The API's web ACL refuses requests without it; the functions then trust the viewer
            # address header. Resolved from Secrets Manager at deploy time (a dynamic reference).
            custom_headers=(
                {ORIGIN_HEADER: origin_secret.secret_value.unsafe_unwrap()} if origin_secret else None
            ),
        )
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=self._api_cache_policy(),
            origin_request_policy=self._api_request_policy(),
            response_headers_policy=headers,
            function_associations=[self._viewer_address_function()],
        )
        short_cache = cloudfront.CachePolicy(
            self,
            "ListsCache",
            comment="vaxcert trust and revocation lists: brief edge caching",
            default_ttl=cdk.Duration.minutes(5),
            min_ttl=cdk.Duration.seconds(0),
            max_ttl=cdk.Duration.hours(1),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        behaviors: dict[str, cloudfront.BehaviorOptions] = {
            path: cloudfront.BehaviorOptions(
                origin=api_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
                cache_policy=short_cache,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=headers,
            )
            for path in SHORT_CACHE_PATHS
        }
        # Order matters: CloudFront matches the first pattern, so the cached lists come before /v1/*.
        behaviors.update({path: api_behavior for path in API_PATHS})

        page_paths = cloudfront.Function(
            self,
            "PagePaths",
            comment="vaxcert page paths (/verify -> /verify.html), from vaxcert.routes.WEB_PAGES",
            code=cloudfront.FunctionCode.from_inline(page_paths_function_code()),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        # Follows the Cache-Control each object was uploaded with (deploy_site): min TTL 0, so
        # "no-cache" pages and sw.js are revalidated at the edge too, not held for a second or a day.
        static_cache = cloudfront.CachePolicy(
            self,
            "StaticCache",
            comment="vaxcert web files: honour the objects' Cache-Control",
            default_ttl=STATIC_MAX_AGE,
            min_ttl=cdk.Duration.seconds(0),
            max_ttl=cdk.Duration.days(1),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )

        custom_domain = bool(config.domain_name and config.certificate_arn)
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="vaxcert web page and API",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=static_cache,
                response_headers_policy=headers,
                compress=True,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=page_paths, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors=behaviors,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=log_bucket,
            log_file_prefix="cloudfront/",
            domain_names=[config.domain_name] if custom_domain and config.domain_name else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn)
                if custom_domain and config.certificate_arn
                else None
            ),
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
            if custom_domain
            else None,
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "No geo restriction: certificates are shown and verified abroad (travel is their main use).",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "CloudFront-scope web ACLs can only be created in us-east-1; the API behind this distribution "
            "has its own regional web ACL, and the rest is static files from a private bucket.",
        )
        if not custom_domain:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "The default *.cloudfront.net certificate cannot pin a minimum TLS version; set "
                "vaxcert:domainName and vaxcert:certificateArn to serve TLS 1.2+ only.",
            )
        domain = config.domain_name if custom_domain else self.distribution.distribution_domain_name
        self.url = f"https://{domain}/"
        self.origin = f"https://{domain}"

    def _api_cache_policy(self) -> cloudfront.CachePolicy:
        """Nothing is kept (the API answers `Cache-Control: no-store`, which CloudFront honours with a
        minimum TTL of 0), but the policy must name Authorization for CloudFront to forward it."""
        return cloudfront.CachePolicy(
            self,
            "ApiCache",
            comment="vaxcert API: no caching; forwards Authorization",
            default_ttl=cdk.Duration.seconds(0),
            min_ttl=cdk.Duration.seconds(0),
            max_ttl=cdk.Duration.seconds(1),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Authorization"),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
        )

    def _api_request_policy(self) -> cloudfront.OriginRequestPolicy:
        """The viewer headers the API reads, the CommCare key header, and CloudFront-Viewer-Address (the
        viewer's own address for the OTP limits and the audit trail). Never Host: API Gateway routes on
        its own."""
        ingest = self.config.ingest_header
        extra = () if ingest.lower() == "authorization" else (ingest,)  # Authorization: the cache policy
        return cloudfront.OriginRequestPolicy(
            self,
            "ApiRequests",
            comment="vaxcert API: the headers it reads, and the viewer's address",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(
                *API_VIEWER_HEADERS, *extra, VIEWER_ADDRESS_HEADER
            ),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )

    def _viewer_address_function(self) -> cloudfront.FunctionAssociation:
        function = cloudfront.Function(
            self,
            "ViewerAddress",
            comment="vaxcert API: the viewer's address first in X-Forwarded-For (WAF rate rules)",
            code=cloudfront.FunctionCode.from_inline(VIEWER_ADDRESS_FUNCTION_CODE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        return cloudfront.FunctionAssociation(
            function=function, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
        )

    def deploy_site(self, runtime_config: dict[str, str]) -> None:
        """Upload web/ plus config.json (deploy-time ids the page needs) and invalidate the cache.

        One BucketDeployment per kind of file, because Cache-Control and Content-Type are set per
        deployment: pages, config.json and sw.js "no-cache"; scripts as text/javascript (not left to
        the uploader's MIME guess); the rest cached for five minutes. Each deployment's include/exclude
        filters also limit its pruning, so none deletes another's files.
        """
        sources = [
            s3deploy.Source.asset(str(web_source()), exclude=["**/__pycache__", "**/*.pyc"]),
            s3deploy.Source.json_data("config.json", runtime_config),
        ]
        short = s3deploy.CacheControl.from_string(f"public, max-age={int(STATIC_MAX_AGE.to_seconds())}")
        parts: list[tuple[str, list[str], list[str], list[s3deploy.CacheControl], str | None]] = [
            ("DeployPages", ["*"], ["*.html", "config.json"], [s3deploy.CacheControl.no_cache()], None),
            # Includes sw.js too (`aws s3 sync` applies --include after --exclude, so it cannot be
            # left out here); the next part, which runs after this one, re-uploads it as no-cache.
            ("DeployScripts", ["*"], ["*.js"], [short], "text/javascript"),
            ("DeployServiceWorker", ["*"], ["sw.js"], [s3deploy.CacheControl.no_cache()], "text/javascript"),
            # The verifier's QR reader: browsers compile it while streaming only if it is application/wasm.
            ("DeployWasm", ["*"], ["*.wasm"], [short], "application/wasm"),
            ("DeployAssets", [*REVALIDATE, "*.js", "*.wasm"], [], [short], None),
        ]
        previous: s3deploy.BucketDeployment | None = None
        for i, (construct_id, exclude, include, cache_control, content_type) in enumerate(parts):
            last = i == len(parts) - 1
            deployment = s3deploy.BucketDeployment(
                self,
                construct_id,
                sources=sources,
                destination_bucket=self.bucket,
                exclude=exclude,
                include=include or None,
                cache_control=cache_control,
                content_type=content_type,
                # One invalidation, after every part is uploaded.
                distribution=self.distribution if last else None,
                distribution_paths=["/*"] if last else None,
                memory_limit=256,
            )
            if previous is not None:
                deployment.node.add_dependency(previous)
            previous = deployment
        reason = (
            "CDK's BucketDeployment custom resource (runs at deploy time only): aws-cdk-lib manages its role "
            "and runtime; it copies the web assets from the CDK asset bucket into the web bucket."
        )
        singleton = next(
            c for c in cdk.Stack.of(self).node.children if c.node.id.startswith("Custom::CDKBucketDeployment")
        )
        acknowledge(singleton, "AwsSolutions-L1", reason)
        acknowledge(
            singleton,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            reason,
        )
        # cdk-nag matches each wildcard finding by its exact id.
        assets = "arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*"
        for finding in (
            "Action::s3:GetObject*",
            "Action::s3:GetBucket*",
            "Action::s3:List*",
            "Action::s3:DeleteObject*",
            "Action::s3:Abort*",
            "Resource::*",
            f"Resource::<{logical_id(self.bucket)}.Arn>/*",
            f"Resource::{assets}",
        ):
            acknowledge(singleton, f"AwsSolutions-IAM5[{finding}]", reason)
