//! The predicates that ship with Apache Kafka
//! (`org.apache.kafka.connect.transforms.predicates`, KIP-585).
