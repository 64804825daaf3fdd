from tests.problems import assert_problem


def test_smoke(client, admin_headers):
    r = client.get("/api/v1/authenticate/check-authentication", headers=admin_headers)
    print(r.status_code, r.headers, r.text)
    r = client.get("/api/v1/authenticate/check-authentication")
    assert_problem(r, 401)
    print(r.json(), r.headers)
    r = client.post("/api/v1/authenticate", content=b'{"userName": ', headers={"content-type": "application/json"})
    print(r.status_code, r.text)
    r = client.post("/api/v1/authenticate", json={"userName": 5, "password": []})
    print(r.status_code, r.text)
    r = client.post("/api/v1/authenticate", json={})
    print(r.status_code, r.text)
    r = client.post("/api/v1/authenticate", json=[])
    print(r.status_code, r.text)
    r = client.post("/api/v1/authenticate", content="x", headers={"content-type": "text/plain"})
    print(r.status_code, r.text)
    r = client.post("/api/v1/authenticate", content=b"x")
    print(r.status_code, r.text)
    r = client.put("/api/v1/authenticate", json={})
    print(r.status_code, r.headers, r.text)
    r = client.get("/nope")
    print(r.status_code, r.text)
    r = client.post("/api/v1/authenticate", content=b"x" * (1024 * 1024 + 1), headers={"content-type": "application/json"})
    print(r.status_code, r.headers, r.text)
    async def gen():
        for _ in range(17):
            yield b"x" * 65536
    r = client.post("/api/v1/authenticate", content=gen(), headers={"content-type": "application/json"})
    print(r.status_code, r.headers, r.text)
    r = client.get("/mlprep/v1/health")
    print(r.status_code, r.text)
    r = client.get("/mlprep/v1/audit", headers=admin_headers)
    print(r.status_code, r.text)
