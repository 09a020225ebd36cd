import Foundation
import TestSupport

/// A Python script that prints, as JSON, what botocore signs for fixed credentials, time (2026-11-21T10:00:00Z),
/// regions, endpoints and keys (spaces, unicode, `+`, reserved characters): Authorization headers for PUT, GET, HEAD
/// and DELETE, and boto3's presigned GET URLs. SignatureV4Tests runs it and compares byte for byte.
enum BotocoreReference {
    static let script = #"""
        import datetime, hashlib, json, os
        from urllib.parse import quote

        import boto3, botocore, botocore.auth
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.config import Config
        from botocore.credentials import Credentials

        NOW = datetime.datetime(2026, 11, 21, 10, 0, 0)
        botocore.auth.get_current_datetime = lambda remove_tzinfo=True: NOW
        ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        ENDPOINTS = ["http://127.0.0.1:9000", "https://minio.factory.example"]
        BUCKET = "incident-files"
        KEYS = [
            "rooms/6f1c2f0e-8a4b-4c1d-9e2f-0123456789ab/0b1c2d3e-4f50-4617-8899-aabbccddeeff/photo.jpg",
            "rooms/r/f/defect photo 1.JPG",
            "rooms/r/f/溫度記錄 2026.csv",
            "rooms/r/f/a+b=c&d;e,f.txt",
            "rooms/r/f/~tilde_(1)!*'@$.log",
            "rooms/r/f/emoji 👩‍🔧 ünïcödé.png",
            "rooms/r/f/percent%2Fslash%20.pdf",
        ]
        cases = []
        for endpoint in ENDPOINTS:
            for region in ["us-east-1", "eu-central-1"]:
                creds = Credentials(ACCESS, SECRET)
                client = boto3.client(
                    "s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=ACCESS,
                    aws_secret_access_key=SECRET, config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
                for key in KEYS:
                    url = "%s/%s/%s" % (endpoint, BUCKET, quote(key, safe="/~"))
                    for method, headers, body in [
                        ("PUT", {"Content-Type": "image/jpeg"}, b"hello, bucket"),
                        ("GET", {}, b""), ("HEAD", {}, b""), ("DELETE", {}, b""),
                    ]:
                        request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
                        # The adapter always sends the real SHA-256 (documented in S3ObjectStorage); botocore too over http.
                        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
                        S3SigV4Auth(creds, "s3", region).add_auth(request)
                        cases.append({
                            "kind": "header", "endpoint": endpoint, "region": region, "key": key, "method": method,
                            "url": url, "contentType": headers.get("Content-Type"), "body": body.decode(),
                            "authorization": request.headers["Authorization"], "amzDate": request.headers["X-Amz-Date"],
                            "payloadHash": request.headers["X-Amz-Content-SHA256"],
                        })
                    presigned = client.generate_presigned_url(
                        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600)
                    cases.append({"kind": "presign", "endpoint": endpoint, "region": region, "key": key, "url": presigned})
                for method in ["HEAD", "PUT"]:
                    url = "%s/%s" % (endpoint, BUCKET)
                    request = AWSRequest(method=method, url=url, headers={}, data=b"")
                    request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(b"").hexdigest()
                    S3SigV4Auth(creds, "s3", region).add_auth(request)
                    cases.append({
                        "kind": "header", "endpoint": endpoint, "region": region, "key": None, "method": method, "url": url,
                        "contentType": None, "body": "", "authorization": request.headers["Authorization"],
                        "amzDate": request.headers["X-Amz-Date"], "payloadHash": request.headers["X-Amz-Content-SHA256"],
                    })

        print(json.dumps({"botocore": botocore.__version__, "accessKey": ACCESS, "secretKey": SECRET, "bucket": BUCKET,
                          "cases": cases}, ensure_ascii=False))
        """#

    /// The interpreter scripts/services/s3.sh found with boto3 (TEST_S3_PYTHON), else `python3` on the PATH.
    static var python: String { TestEnvironment.value("TEST_S3_PYTHON") ?? "python3" }

    /// Runs `script` with `python` and returns its standard output.
    static func run(_ script: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.python, "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ReferenceError(status: process.terminationStatus) }
        return data
    }

    struct ReferenceError: Error { var status: Int32 }
}
