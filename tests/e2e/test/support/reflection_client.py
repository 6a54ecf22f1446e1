"""An outside client of a Switchyard server, knowing nothing but gRPC reflection.

Asks the server which services it serves and for the files describing them, loads those files
into protobuf's standard descriptor pool (which refuses a missing import or an undefined type),
and prints one JSON line: the services, the files the pool accepted and, when a method and a
request are given, the response of that call made with message classes built from the pool.
Usage: reflection_client.py ADDRESS [METHOD REQUEST_JSON [AUTHORIZATION]]
Needs Debian's python3-grpcio and python3-protobuf; the reflection messages are encoded by hand
so that grpcio-reflection is not needed.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory


def read_varint(data, i):
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def fields(data):
    """(field number, bytes or int) of a serialized message, in order."""
    i, out = 0, []
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire_type = key >> 3, key & 7
        if wire_type == 2:
            length, i = read_varint(data, i)
            out.append((number, data[i:i + length]))
            i += length
        elif wire_type == 0:
            value, i = read_varint(data, i)
            out.append((number, value))
        else:
            raise ValueError(f"unexpected wire type {wire_type}")
    return out


def string_field(number, text):
    encoded = text.encode()
    length, prefix = len(encoded), bytearray()
    while True:
        prefix.append((length & 0x7F) | (0x80 if length > 0x7F else 0))
        length >>= 7
        if not length:
            break
    return bytes([number << 3 | 2]) + bytes(prefix) + encoded


def main():
    address = sys.argv[1]
    channel = grpc.insecure_channel(address)
    info = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda raw: raw,
        response_deserializer=lambda raw: raw,
    )

    def ask(request):
        return next(iter(info(iter([request]), timeout=10)))

    # ServerReflectionRequest.list_services = 7; response list_services_response = 6 { repeated ServiceResponse service = 1 { name = 1 } }
    services = [
        dict(fields(entry))[1].decode()
        for number, listing in fields(ask(string_field(7, "*"))) if number == 6
        for inner, entry in fields(listing) if inner == 1
    ]
    files = {}
    for service in services:
        # file_containing_symbol = 4; response file_descriptor_response = 4 { repeated bytes file_descriptor_proto = 1 }
        for number, body in fields(ask(string_field(4, service))):
            if number == 4:
                for inner, raw in fields(body):
                    if inner == 1:
                        proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
                        files[proto.name] = proto
    pool = descriptor_pool.DescriptorPool()
    added = []

    def add(name):
        if name in added:
            return
        for dependency in files[name].dependency:
            add(dependency)
        pool.Add(files[name])
        added.append(name)

    for name in files:
        add(name)
    result = {"services": sorted(services), "files": sorted(added)}
    if len(sys.argv) > 3:
        method, request_json = sys.argv[2], sys.argv[3]
        service_name, method_name = method.split("/")
        descriptor = pool.FindServiceByName(service_name).FindMethodByName(method_name)
        factory = message_factory.MessageFactory(pool)
        request_class = factory.GetPrototype(descriptor.input_type)
        response_class = factory.GetPrototype(descriptor.output_type)
        call = channel.unary_unary(f"/{method}", request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_class.FromString)
        metadata = [("authorization", sys.argv[4])] if len(sys.argv) > 4 else []
        response = call(json_format.Parse(request_json, request_class()), metadata=metadata, timeout=10)
        result["response"] = json.loads(json_format.MessageToJson(response))
        result["request_fields"] = [field.name for field in request_class.DESCRIPTOR.fields]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
