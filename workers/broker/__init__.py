"""RabbitMQ: connections, the topology, publishing with confirms."""
