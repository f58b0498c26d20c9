"""The ROS 2 lifecycle node: a thin adapter between topics and the ROS-free Pipeline.

configure makes the publishers; activate loads the model and pose estimator, subscribes and
starts the latest-frame worker (frame_worker.py), which converts, runs the pipeline, publishes,
and closes its pipeline when it stops; deactivate releases all of it, so an inactive node costs
nothing. Bad input is counted by kind and logged once per kind per interval; the next good frame
is processed as usual.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Optional

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray
from emotion_perception_msgs.msg import FrameEmotions, Landmark, PersonEmotion
from rcl_interfaces.msg import SetParametersResult
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import CompressedImage, Image, RegionOfInterest
from std_msgs.msg import Header

from ..core.errors import BadImageError
from ..core.pipeline import Pipeline
from ..core.stats import StreamStats
from .debug_image import debug_image
from .diagnostics import NodeState, pipeline_status
from .emotion_message import MessageKit, frame_emotions
from .frame_worker import LatestFrameWorker
from .heap import release_free_memory
from .hri_output import HriOutput, hri_messages
from .image_conversion import to_rgb8
from .image_qos import image_qos
from .image_wire import WirePrefix, read_prefix
from .input_watch import IMAGE_TYPES, InputWatch
from .node_parameters import PARAMETERS, PIPELINE_PARAMETERS, pipeline_from, refusal, runtime_settings
from .parameter_descriptors import descriptor
from .source_mixing import SourceMixingDetector
from .stamps import stamp_ns, stamp_seconds
from .throttled_log import ThrottledWarnings

_DEACTIVATE_WAIT_S = 2.0  # for the frame in flight, before deactivate returns and leaves it to finish
_ACTIVATE_WAIT_S = 60.0  # for the previous activation's last frame, before activate gives up
ROS_KIT = MessageKit(frame_emotions=FrameEmotions, person_emotion=PersonEmotion, landmark=Landmark,
                     region_of_interest=RegionOfInterest, header=Header, time=Time, float_array=list)


class EmotionPerceptionNode(LifecycleNode):
    def __init__(self, **kwargs) -> None:
        super().__init__("emotion_perception", **kwargs)
        for spec in PARAMETERS:
            self.declare_parameter(spec.name, spec.default, descriptor(spec))
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.stats = StreamStats(horizon_s=self.param("diagnostics_window_s"))
        self.sources = SourceMixingDetector()
        self.worker: LatestFrameWorker[tuple[bytes, WirePrefix]] = LatestFrameWorker(
            "emotion_perception_worker",
            on_error=lambda error: self._bad_input("internal_error", f"{type(error).__name__}: {error}"))
        self._configured = False
        self._pipeline: Optional[Pipeline] = None
        self._last_error = ""  # why the node is not perceiving, for /diagnostics
        self._subscription = self._watch = None  # the watch says why no image arrives (input_watch.py)
        self._emotions_pub = self._debug_pub = self._diagnostics_pub = self._diagnostics_timer = None
        self._image_type: type = Image
        self._warnings = ThrottledWarnings(self.get_logger())
        self._device, self._device_note = "none", ""  # the model's, for /diagnostics
        self._activation_failures = 0  # a diagnostics value: not bad input, and no level once active
        self._activations = 0  # REP-155 body ids carry it, so that none is reused within a run
        if self.param("autostart") and self.trigger_configure() == TransitionCallbackReturn.SUCCESS:
            self.trigger_activate()

    def param(self, name: str) -> Any:
        return self.get_parameter(name).value

    def _on_set_parameters(self, parameters) -> SetParametersResult:
        for parameter in parameters:
            reason = refusal(parameter.name, parameter.value, configured=self._configured)
            if reason:
                return SetParametersResult(successful=False, reason=reason)
        changed = {parameter.name: parameter.value for parameter in parameters}
        if "diagnostics_window_s" in changed and hasattr(self, "stats"):
            self.stats.horizon_s = float(changed["diagnostics_window_s"])
        if self._pipeline is not None:  # the worker takes them at its next frame
            values = {name: changed.get(name, self.param(name)) for name in PIPELINE_PARAMETERS}
            self._pipeline.apply(runtime_settings(values))
        return SetParametersResult(successful=True)

    # ---- lifecycle --------------------------------------------------------------------------
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        sensor = QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE)
        try:
            if self.param("hri"):
                hri_messages()
            self._emotions_pub = self.create_lifecycle_publisher(FrameEmotions, "emotions", 10)
            self._debug_pub = self.create_lifecycle_publisher(Image, "debug_image", sensor)
            self._diagnostics_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
            # from configure on, so that an inactive node (or one whose activation failed) is seen
            self._diagnostics_timer = self.create_timer(1.0, self._publish_diagnostics)
        except Exception as error:  # rclpy would swallow it: log the cause once, and fail the transition
            self.get_logger().error(f"configuration failed: {type(error).__name__}: {error}")
            self._destroy_publishers()
            return TransitionCallbackReturn.FAILURE
        self._configured = True
        self.get_logger().info("configured")
        return super().on_configure(state)

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        if not self.worker.finished(_ACTIVATE_WAIT_S):  # never two workers
            self.get_logger().error(f"activation failed: the previous activation's last frame is still being "
                                    f"processed after {_ACTIVATE_WAIT_S:.0f} s")
            return TransitionCallbackReturn.FAILURE
        try:
            pipeline = pipeline_from({name: self.param(name) for name in PIPELINE_PARAMETERS})
            if pipeline.engine is None:
                pipeline.close()
                raise ValueError("no emotion model: none packaged and model_path is empty")
        except Exception as error:  # rclpy would swallow it: log the cause once, and fail the transition
            self._activation_failures += 1
            self._last_error = f"activation failed: {type(error).__name__}: {error}"
            self.get_logger().error(self._last_error)
            self._publish_diagnostics()  # at once: a monitor need not wait for the next tick
            return TransitionCallbackReturn.FAILURE
        self._pipeline, self._last_error, self._activations = pipeline, "", self._activations + 1
        self._device, self._device_note = pipeline.engine.device, pipeline.engine.device_note or ""
        hri = HriOutput(self, self._activations) if self.param("hri") else None  # the worker owns both
        self.worker.start(lambda frame, arrived, stop: self._handle(pipeline, hri, frame, arrived, stop),
                          lambda: (pipeline.close(), hri and hri.close()))
        reliable = self.param("image_reliability") == "reliable"
        self._image_type = CompressedImage if self.param("compressed") else Image
        topic = "image/compressed" if self.param("compressed") else "image"
        self._subscription = self.create_subscription(self._image_type, topic, self._on_image, image_qos(reliable),
                                                      raw=True)
        self._watch = InputWatch(self, self._subscription, IMAGE_TYPES[self.param("compressed")], reliable)
        self.get_logger().info(f"active: model {pipeline.model_id or 'none'} on {self._device}, "
                               f"listening on {self._subscription.topic_name}")
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        finished = self.release()
        self.get_logger().info("deactivated: model and pose estimator released"
                               + ("" if finished else " when the frame in flight ends"))
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._destroy_publishers()
        self._configured = False
        return super().on_cleanup(state)

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.release()
        return self.on_cleanup(state)  # both end with nothing held

    def release(self) -> bool:
        """Stops input and the worker; the worker closes its pipeline once its last frame is done.
        False when that frame is still being processed (it finishes unpublished)."""
        if self._subscription is not None:
            self.destroy_subscription(self._subscription)
            self._subscription = self._watch = None
        self._pipeline = None
        finished = self.worker.stop(_DEACTIVATE_WAIT_S)
        if not finished:
            self.get_logger().warning(f"a frame was still being processed after {_DEACTIVATE_WAIT_S:.0f} s: it "
                                      "finishes unpublished, then its model and pose estimator are released")
        return finished

    def _destroy_publishers(self) -> None:
        if self._diagnostics_timer is not None:
            self.destroy_timer(self._diagnostics_timer)
        for publisher in (self._emotions_pub, self._debug_pub, self._diagnostics_pub):
            if publisher is not None:
                self.destroy_publisher(publisher)
        self._emotions_pub = self._debug_pub = self._diagnostics_pub = self._diagnostics_timer = None

    # ---- data path --------------------------------------------------------------------------
    def _on_image(self, serialized: bytes) -> None:
        try:
            prefix = read_prefix(serialized, self._image_type is CompressedImage)
        except BadImageError as error:
            self._bad_input(error.kind, str(error))
            return
        if self.sources.observe(prefix[:3]):
            self._warnings.warn("mixed_sources", f"frames on {self._subscription.topic_name} alternate between sources "
                                            f"({self._image_publishers()} publishers): check the remappings")
        self._watch.image_arrived(prefix)
        if self.worker.offer((serialized, prefix)):
            self.stats.record_dropped()

    def _handle(self, pipeline: Pipeline, hri: Optional[HriOutput], frame: tuple[bytes, WirePrefix], arrived: float,
                stop: threading.Event) -> None:
        """On the worker's thread: one frame from the slot to its published message."""
        if time.monotonic() - arrived > self.param("max_frame_age_s"):
            self.stats.record_stale()
            return
        serialized, prefix = frame
        try:
            msg = deserialize_message(serialized, self._image_type)
        except Exception as error:  # rclpy raises its own types for malformed CDR
            self._bad_input("corrupt_message", f"{type(error).__name__}: {error}")
            return
        if self._image_type is Image:
            msg.encoding = prefix.encoding  # exactly as sent (see image_wire.py)
        try:
            rgb = to_rgb8(msg)
            result = pipeline.process(rgb, stamp_seconds(msg.header))
        except BadImageError as error:
            self._bad_input(error.kind, str(error))
            return
        if stop.is_set():
            return  # deactivated during this frame: nothing is published by an inactive node
        if result.clock_reset:
            self.stats.record_clock_reset()
            self._warnings.warn("clock_jump", f"image stamps went back in time (now {result.stamp:.3f} s): "
                                              "tracks reset")
        if result.stamp_repeated:
            self.stats.record_bad_input("stamp_not_advancing")
            self._warnings.warn("stamp_not_advancing", f"image stamps do not advance (again {result.stamp:.3f} s): "
                           "people are tracked but never judged; does the camera driver stamp its images?")
        self._emotions_pub.publish(frame_emotions(ROS_KIT, result, stamp_ns(msg.header), msg.header.frame_id,
                                                  pipeline.window_length))
        if self.param("debug_image") and self._debug_pub.get_subscription_count() > 0:
            self._debug_pub.publish(debug_image(msg.header, rgb, result))
        if hri is not None:
            hri.publish(msg.header, result, rgb)
        self.stats.record_frame(time.monotonic() - arrived, len(result.people))

    def _image_publishers(self) -> int:
        subscription = self._subscription
        return self.count_publishers(subscription.topic_name) if subscription is not None else 0

    def _bad_input(self, kind: str, message: str) -> None:
        self.stats.record_bad_input(kind)
        self._warnings.warn(kind, f"bad input ({kind}): {message}; frame skipped")

    def _publish_diagnostics(self) -> None:
        release_free_memory()
        pipeline, active, watch = self._pipeline, self._subscription is not None, self._watch
        problem = watch.check(self.param("no_image_warn_s")) or watch.problem if watch is not None else ""
        state = NodeState(active=active, last_error=self._last_error, device=self._device,
                          device_note=self._device_note, image_publishers=self._image_publishers() if active else 0,
                          activation_failures=self._activation_failures,
                          frame_size_evictions=pipeline.pose.evictions if pipeline else 0,
                          model_id=pipeline.model_id if pipeline else "", latency_warn_ms=self.param("latency_warn_ms"),
                          input_problem=problem)
        array = DiagnosticArray(status=[pipeline_status(self.stats, self.sources, state)])
        array.header.stamp = self.get_clock().now().to_msg()
        self._diagnostics_pub.publish(array)

